/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * util: the bottom layer. Allocation wrappers that treat out-of-memory as fatal,
 * a growable string buffer, wall-clock and relative-time parsing, ULIDs, the
 * hybrid logical clock and the logger sink every upper layer reports through.
 * Nothing here knows about reports, SQLite or the terminal.
 */
#ifndef VIGIA_UTIL_H
#define VIGIA_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTIL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define UTIL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- xmalloc: out of memory is fatal ---------------------------------- */

/** Hook run before exiting on a fatal error (the console restores the terminal). */
void xmalloc_set_fatal_hook(void (*hook)(void));
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
/** Returns a newly allocated copy of @s (NULL stays NULL); caller frees. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/** printf into a newly allocated string; caller frees. */
char *xasprintf(const char *fmt, ...) UTIL_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap);
/** Print "vigia: fatal: ..." after running the hook, then exit(70). */
_Noreturn void util_fatal(const char *fmt, ...) UTIL_PRINTF(1, 2);
/** Free *p and set it to NULL. */
static inline void util_free(void *pp)
{
    extern void free(void *);
    void **p = (void **)pp;
    free(*p);
    *p = NULL;
}
#define FREE(pp) util_free(pp)

/** Set *err (if err is not NULL and *err is NULL) to a new formatted message. */
void util_seterr(char **err, const char *fmt, ...) UTIL_PRINTF(2, 3);

/* ---- buf: growable NUL-terminated byte buffer ------------------------- */

struct buf {
    char *data; /* always NUL-terminated once anything was added */
    size_t len;
    size_t cap;
};

void buf_init(struct buf *b);
void buf_fini(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) UTIL_PRINTF(2, 3);
/** Return the string (never NULL) and leave the buffer empty; caller frees. */
char *buf_steal(struct buf *b);
/** The current string, "" when empty; borrowed until the next change. */
const char *buf_str(const struct buf *b);

/* ---- timeutil: UTC milliseconds --------------------------------------- */

/** Wall clock in UTC milliseconds. Tests may fix it with util_time_set_fixed. */
int64_t timeutil_now_ms(void);
/** Fix the clock (ms > 0) or return to the real one (0). VIGIA_NOW also fixes it. */
void timeutil_set_fixed(int64_t ms);
/** Format as RFC 3339 UTC with milliseconds ("2026-11-22T01:48:39.123Z"). */
void timeutil_rfc3339(int64_t ms, char out[32]);
/**
 * Parse RFC 3339 ("2026-11-22T10:42:00Z", offsets and fractions allowed),
 * "now", a relative time ("15 min ago", "2h ago", "hace 10 min", "10m") or a
 * local clock time today ("10:42", taken as the most recent such moment).
 * Returns 0 and sets *out, or -1 when the text is not a time.
 */
int timeutil_parse(const char *s, int64_t now, int64_t *out);
/** Compact age: "now", "4m", "2h", "3d", "5w"; out needs 8 bytes. */
void timeutil_age(int64_t age_ms, char out[8]);
/** Local "HH:MM" of a UTC time. */
void timeutil_hhmm(int64_t ms, char out[8]);
/** Local "YYYY-MM-DD HH:MM" of a UTC time. */
void timeutil_local(int64_t ms, char out[24]);

/* ---- ulid: sortable random ids ---------------------------------------- */

#define ULID_LEN 26
/** Write a new ULID (time + 80 random bits from libsodium) and a NUL. */
void ulid_new(int64_t ms, char out[ULID_LEN + 1]);
/** True when @s is 26 Crockford base-32 characters. */
bool ulid_valid(const char *s);

/* ---- hlc: hybrid logical clock ---------------------------------------- */

/*
 * 48 bits of physical milliseconds, 16 bits of logical counter. Comparing two
 * values as unsigned integers orders them; device ids break ties.
 */
struct hlc {
    uint64_t last;
};
/** A new timestamp for a local event, greater than every one seen so far. */
uint64_t hlc_now(struct hlc *h, int64_t wall_ms);
/** Fold in a timestamp received from another device. */
void hlc_observe(struct hlc *h, uint64_t remote, int64_t wall_ms);
static inline int64_t hlc_ms(uint64_t t)
{
    return (int64_t)(t >> 16);
}

/* ---- logger: where user messages go ----------------------------------- */

enum logger_level { LOGGER_DEBUG, LOGGER_INFO, LOGGER_WARN, LOGGER_ERROR };
/** A sink receives every message; the default writes "vigia: msg" to stderr. */
typedef void (*logger_sink_fn)(enum logger_level level, const char *msg, void *data);
void logger_set_sink(logger_sink_fn fn, void *data);
void logger_msg(enum logger_level level, const char *fmt, ...) UTIL_PRINTF(2, 3);
/** A sink that drops everything (tests). */
void logger_null_sink(enum logger_level level, const char *msg, void *data);

/* ---- misc -------------------------------------------------------------- */

/** Create a directory and its parents (mode 0700). Returns 0 or -errno. */
int util_mkdirs(const char *path);
/** Write a file atomically (temp file + fsync + rename). Returns 0 or -errno. */
int util_write_atomic(const char *path, const void *data, size_t n, int mode);
/** Read a whole file; returns 0 or -errno. *out is NUL-terminated; caller frees. */
int util_read_file(const char *path, char **out, size_t *len);
/** $XDG_DATA_HOME/vigia or ~/.local/share/vigia; caller frees. */
char *util_data_dir(void);
/** $XDG_CONFIG_HOME/vigia or ~/.config/vigia; caller frees. */
char *util_config_dir(void);
/** Parse a decimal integer in [min,max]; false on junk or range. */
bool util_parse_int(const char *s, long min, long max, long *out);

#endif
