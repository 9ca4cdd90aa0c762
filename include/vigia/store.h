/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store: the SQLite database. One file, WAL mode, foreign keys on, schema
 * migrations by PRAGMA user_version at open. All SQL text lives in src/store/.
 *
 * Every mutation goes through store_write(), which writes the row and one op
 * per column (the sync log) in the same transaction; nothing writes the synced
 * tables behind its back. Several processes may open one file at once: write
 * transactions take the lock up front (BEGIN IMMEDIATE) and wait for it, so no
 * caller sees "database is locked" under ordinary contention.
 */
#ifndef VIGIA_STORE_H
#define VIGIA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigia/util.h"
#include "vigia/model.h"

/** Our own error codes; SQLite's never leave the store. */
enum store_error {
    STORE_OK = 0,
    STORE_ERR_OPEN = -1,     /* cannot open or create the file */
    STORE_ERR_NOT_VIGIA = -2, /* a file that is not a vigia database */
    STORE_ERR_CORRUPT = -3,  /* damaged database */
    STORE_ERR_READONLY = -4, /* no permission to write */
    STORE_ERR_FULL = -5,     /* disk full */
    STORE_ERR_BUSY = -6,     /* locked for longer than the busy timeout */
    STORE_ERR_TOO_NEW = -7,  /* written by a newer vigia */
    STORE_ERR_NOT_FOUND = -8,
    STORE_ERR_INVALID = -9, /* bad argument: unknown table or column, bad value */
    STORE_ERR_IO = -10,
};

struct store;

enum store_open_flags {
    STORE_CREATE = 1 << 0,   /* create the file (not its folder) if missing */
    STORE_SMALL_CACHE = 1 << 1, /* console on a small machine: keep the page cache small */
};

/**
 * Open (and migrate) the database at @path. Returns STORE_OK and a handle in
 * *out, or an error code and a newly allocated message naming the file and the
 * problem in *err (caller frees). An existing file is never modified unless it
 * is a vigia database (or empty).
 */
int store_open(const char *path, unsigned flags, struct store **out, char **err);
/** Close the database and set *s to NULL. */
void store_free(struct store **s);
const char *store_path(const struct store *s);
/** This database's device id (a ULID made at creation). Borrowed. */
const char *store_device(const struct store *s);
/** The schema version this build writes. */
int store_schema_version(void);

/* ---- transactions ------------------------------------------------------ */

/** Begin a write transaction (waits for other writers). */
int store_begin(struct store *s, char **err);
int store_commit(struct store *s, char **err);
void store_rollback(struct store *s);

/* ---- the one mutation function ----------------------------------------- */

enum store_type { STORE_NULL, STORE_INT, STORE_REAL, STORE_TEXT };
struct store_val {
    enum store_type type;
    int64_t i;
    double d;
    const char *s;
};
struct store_col {
    const char *name;
    struct store_val v;
};
static inline struct store_val store_int(int64_t i)
{
    return (struct store_val){.type = STORE_INT, .i = i};
}
static inline struct store_val store_real(double d)
{
    return (struct store_val){.type = STORE_REAL, .d = d};
}
static inline struct store_val store_text(const char *s)
{
    return s ? (struct store_val){.type = STORE_TEXT, .s = s}
             : (struct store_val){.type = STORE_NULL};
}
static inline struct store_val store_null(void)
{
    return (struct store_val){.type = STORE_NULL};
}

/**
 * Insert or update row @row_id of @table with @cols, and append one op per
 * column to the sync log, stamped with a fresh hybrid logical clock value.
 * Must run inside store_begin/commit. Unknown tables or columns are refused
 * (STORE_ERR_INVALID). Returns STORE_OK or an error with *err set.
 */
int store_write(struct store *s, const char *table, const char *row_id,
                const struct store_col *cols, size_t n, char **err);

/**
 * Append an event (the audit timeline) inside the current transaction:
 * who (@actor), what (@kind, e.g. "report.created"), about which report
 * (may be NULL) and a free-text @detail (may be NULL).
 */
int store_event(struct store *s, const char *actor, const char *kind, const char *report_id,
                const char *detail, char **err);

/** Number of ops in the sync log (all devices). */
int store_op_count(struct store *s, int64_t *n);

/* ---- change notification ----------------------------------------------- */

/**
 * A file descriptor that becomes readable when the database file changes on
 * disk (inotify on its folder), or -1 if none can be had. Owned by the store.
 */
int store_watch_fd(struct store *s);
/**
 * Drain the watch descriptor and tell whether another connection committed
 * since the last call (PRAGMA data_version). Never blocks.
 */
bool store_changed(struct store *s);

/* ---- reports ----------------------------------------------------------- */

/**
 * Store a new report with its reporter contact (may be NULL; kept in
 * reporter_contacts, apart from the report) and a "report.created" event, in
 * one transaction. r->id is filled in when empty. @actor is the dispatcher.
 */
int store_report_insert(struct store *s, struct model_report *r, const char *contact,
                        const char *actor, char **err);
/**
 * Like store_report_insert but inside a transaction the caller holds (bulk
 * import: all or nothing).
 */
int store_report_insert_tx(struct store *s, struct model_report *r, const char *contact,
                           const char *actor, char **err);

/** Load one report; STORE_ERR_NOT_FOUND when there is none. @out is initialised here. */
int store_report_get(struct store *s, const char *id, struct model_report *out, char **err);
/** The reporter contact of a report, newly allocated, or NULL if none. */
int store_report_contact(struct store *s, const char *id, char **out, char **err);

/** Which reports a queue shows. */
struct store_filter {
    int status;     /* an enum model_status, or -1 for all */
    int64_t live_after; /* only reports whose expires_at is after this (0: all) */
    const char *search; /* full-text query (NULL: none) */
};
void store_filter_init(struct store_filter *f);

/** How many reports match. */
int store_report_count(struct store *s, const struct store_filter *f, size_t *n, char **err);
/**
 * Up to @limit reports matching @f from position @offset in queue order
 * (priority, then newest, then id), or best match first when searching. @rows
 * must hold @limit entries; *n gets the number filled. Free each with
 * model_report_fini.
 */
int store_report_page(struct store *s, const struct store_filter *f, size_t offset,
                      size_t limit, struct model_report *rows, size_t *n, char **err);
/** Count reports by status (indexed by enum model_status), live ones only if live_after. */
int store_report_status_counts(struct store *s, int64_t live_after,
                               size_t counts[MODEL_STATUS_COUNT], char **err);

#endif
