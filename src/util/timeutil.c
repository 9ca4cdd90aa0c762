/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Time as UTC milliseconds. Parsing accepts what a dispatcher types while on
 * the phone ("10 min ago", "hace 10 min", "10:42") as well as RFC 3339.
 * VIGIA_NOW (RFC 3339 or milliseconds) fixes the clock for tests and demos.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vigia/i18n.h"
#include "vigia/util.h"

static int64_t timeutil_fixed;
static bool timeutil_env_read;

void timeutil_set_fixed(int64_t ms)
{
    timeutil_fixed = ms;
    timeutil_env_read = true;
}

int64_t timeutil_now_ms(void)
{
    struct timespec ts;

    if (!timeutil_env_read) {
        const char *env = getenv("VIGIA_NOW");
        int64_t v;
        timeutil_env_read = true;
        if (env != NULL && *env != '\0') {
            char *end;
            long long n = strtoll(env, &end, 10);
            if (*end == '\0' && n > 0)
                timeutil_fixed = n;
            else if (timeutil_parse(env, 0, &v) == 0)
                timeutil_fixed = v;
        }
    }
    if (timeutil_fixed > 0)
        return timeutil_fixed;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void timeutil_rfc3339(int64_t ms, char out[32])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    int frac = (int)(ms % 1000);

    if (frac < 0) {
        frac += 1000;
        secs--;
    }
    gmtime_r(&secs, &tm);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, frac % 1000);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t timeutil_days(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int timeutil_parse_rfc3339(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec, n = 0;
    int64_t ms = 0;

    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    s += n;
    if (*s == '\0') {
        h = mi = sec = 0;
    } else {
        if (*s != 'T' && *s != 't' && *s != ' ')
            return -1;
        s++;
        if (sscanf(s, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
            return -1;
        s += n;
        sec = 0;
        if (*s == ':') {
            if (!isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
                return -1;
            sec = (s[1] - '0') * 10 + (s[2] - '0');
            s += 3;
        }
        if (*s == '.' || *s == ',') {
            int digits = 0;
            s++;
            if (!isdigit((unsigned char)*s))
                return -1;
            while (isdigit((unsigned char)*s)) {
                if (digits < 3) {
                    ms = ms * 10 + (*s - '0');
                    digits++;
                }
                s++;
            }
            while (digits++ < 3)
                ms *= 10;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
        return -1;
    /* 2026-02-30 is not a date (the day count would roll into March). */
    if (d > 28 && timeutil_days(y, mo, d) >= timeutil_days(mo == 12 ? y + 1 : y, mo % 12 + 1, 1))
        return -1;
    int64_t t = (timeutil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 + ms;
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int oh, om;
        int sign = *s == '-' ? -1 : 1;
        if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 23 || om > 59)
            return -1;
        t -= sign * (int64_t)(oh * 3600 + om * 60) * 1000;
        s += 1 + n;
    } else if (*s == '\0') {
        /* No zone: a date or local time as typed; read it as local time. */
        struct tm tm = {0};
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = sec;
        tm.tm_isdst = -1;
        time_t lt = mktime(&tm);
        if (lt == (time_t)-1)
            return -1;
        t = (int64_t)lt * 1000 + ms;
    }
    if (*s != '\0')
        return -1;
    *out = t;
    return 0;
}

/* Unit words, English and Spanish, to milliseconds. */
static int64_t timeutil_unit(const char *w, size_t n)
{
    static const struct {
        const char *word;
        int64_t ms;
    } units[] = {
        {"s", 1000},        {"sec", 1000},      {"secs", 1000},     {"second", 1000},
        {"seconds", 1000},  {"seg", 1000},      {"segundo", 1000},  {"segundos", 1000},
        {"m", 60000},       {"min", 60000},     {"mins", 60000},    {"minute", 60000},
        {"minutes", 60000}, {"minuto", 60000},  {"minutos", 60000}, {"h", 3600000},
        {"hr", 3600000},    {"hrs", 3600000},   {"hour", 3600000},  {"hours", 3600000},
        {"hora", 3600000},  {"horas", 3600000}, {"d", 86400000},    {"day", 86400000},
        {"days", 86400000}, {"dia", 86400000},  {"dias", 86400000}, {"día", 86400000},
        {"días", 86400000},
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(units); i++)
        if (strlen(units[i].word) == n && strncasecmp(units[i].word, w, n) == 0)
            return units[i].ms;
    return 0;
}

int timeutil_parse(const char *s, int64_t now, int64_t *out)
{
    const char *p;
    char *end;
    int h, m, n = 0;

    if (s == NULL)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0')
        return -1;
    if (now == 0)
        now = timeutil_now_ms();
    if (strcasecmp(s, "now") == 0 || strcasecmp(s, "ahora") == 0) {
        *out = now;
        return 0;
    }
    if (timeutil_parse_rfc3339(s, out) == 0)
        return 0;
    if (sscanf(s, "%2d:%2d%n", &h, &m, &n) == 2 && s[n] == '\0' && h < 24 && m < 60 && h >= 0 &&
        m >= 0) {
        time_t t = (time_t)(now / 1000);
        struct tm tm;
        localtime_r(&t, &tm);
        tm.tm_hour = h;
        tm.tm_min = m;
        tm.tm_sec = 0;
        tm.tm_isdst = -1;
        int64_t v = (int64_t)mktime(&tm) * 1000;
        if (v > now)
            v -= 86400000; /* "10:42" said at 09:00 means yesterday's 10:42 */
        *out = v;
        return 0;
    }
    /* Relative: [hace] N unit [ago] */
    p = s;
    bool hace = false;
    if (strncasecmp(p, "hace", 4) == 0 && isspace((unsigned char)p[4])) {
        hace = true;
        p += 5;
        while (isspace((unsigned char)*p))
            p++;
    }
    if (!isdigit((unsigned char)*p))
        return -1;
    long v = strtol(p, &end, 10);
    if (v < 0 || v > 100000)
        return -1;
    p = end;
    while (isspace((unsigned char)*p))
        p++;
    const char *w = p;
    while (*p != '\0' && !isspace((unsigned char)*p) && !isdigit((unsigned char)*p))
        p++;
    int64_t unit = timeutil_unit(w, (size_t)(p - w));
    if (unit == 0)
        return -1;
    while (isspace((unsigned char)*p))
        p++;
    if (!hace && strncasecmp(p, "ago", 3) == 0)
        p += 3;
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '\0')
        return -1;
    *out = now - (int64_t)v * unit;
    return 0;
}

void timeutil_age(int64_t age, char out[8])
{
    if (age < 0)
        age = 0;
    int64_t mins = age / 60000;
    /*
     * TRANSLATORS: ages in the queue's age column, which is 4 columns wide:
     * keep each translation as short ("4m", "2h", "3d", "2w").
     */
    if (mins < 1)
        snprintf(out, 8, "%s", C_("age", "now"));
    else if (mins < 60)
        snprintf(out, 8, C_("age", "%dm"), (int)mins);
    else if (mins < 48 * 60)
        snprintf(out, 8, C_("age", "%dh"), (int)(mins / 60));
    else if (mins < 14 * 1440)
        snprintf(out, 8, C_("age", "%dd"), (int)(mins / 1440));
    else if (mins < 999LL * 7 * 1440)
        snprintf(out, 8, C_("age", "%dw"), (int)(mins / (7 * 1440)));
    else
        snprintf(out, 8, "%s", C_("age", "old"));
}

void timeutil_hhmm(int64_t ms, char out[8])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    localtime_r(&t, &tm);
    snprintf(out, 8, "%02d:%02d", tm.tm_hour % 24, tm.tm_min % 60);
}

void timeutil_local(int64_t ms, char out[24])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    localtime_r(&t, &tm);
    snprintf(out, 24, "%04d-%02d-%02d %02d:%02d", (tm.tm_year + 1900) % 10000,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100);
}
