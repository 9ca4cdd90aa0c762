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

/* ---- sync: the op log seen from the network (src/store/store-sync.c) ------ */

/*
 * An op as it travels between devices: (hlc, device, table, row id, column,
 * value). Strings are owned by the op; free with store_op_fini.
 */
struct store_op {
    int64_t seq; /* local position in ops (reading only) */
    uint64_t hlc;
    char device[ULID_LEN + 1];
    char *tbl;
    char *row_id;
    char *col;
    struct store_val v; /* v.s is owned when type is STORE_TEXT */
};
void store_op_fini(struct store_op *op);
/** Free @n ops and the array, and set *ops to NULL. */
void store_ops_free(struct store_op **ops, size_t n);

/**
 * This device's ops with seq after @after_seq, oldest first, at most @limit.
 * *ops is a newly allocated array (caller frees with store_ops_free), *n their
 * count and *last_seq the seq of the last one (@after_seq when none).
 */
int store_sync_local_ops(struct store *s, int64_t after_seq, size_t limit, struct store_op **ops,
                         size_t *n, int64_t *last_seq, char **err);
/** How many of this device's ops come after @after_seq (waiting to go out). */
int store_sync_pending(struct store *s, int64_t after_seq, int64_t *n, char **err);

/** What applying a batch of remote ops did. */
struct store_apply_stats {
    size_t ops;        /* ops in the batch */
    size_t duplicates; /* already in the log: ignored */
    size_t won;        /* newer than what the cell held: written to the row */
    size_t lost;       /* older than what the cell held: kept in the log only */
    size_t unknown;    /* tables or columns this build does not know: kept in the log only */
    size_t deferred;   /* rows not yet complete (a required column still to come) */
    size_t conflicts;  /* concurrent edits recorded as "sync.conflict" events */
};

/** Two edits of one field by two devices within this many ms may be concurrent. */
#define STORE_SYNC_CONFLICT_MS (120 * 1000)

/**
 * Apply remote ops inside the caller's transaction (store_begin/commit).
 * Idempotent and order-independent: each op goes into the log as it came
 * (its own device and hlc; exact duplicates are ignored), and each touched row
 * gets, per column, the value of the op with the greatest (hlc, device);
 * append-only tables are unions of their rows; deletes are tombstones (a
 * deleted_at column written like any other). Row writes make no new ops. The
 * local clock moves past every remote hlc. Concurrent edits of one field (two
 * devices, different values, hlc within STORE_SYNC_CONFLICT_MS) are recorded
 * as "sync.conflict" events with both values; the event's id is derived from
 * the two ops so that every replica records the same one. @stats may be NULL.
 */
int store_sync_apply_tx(struct store *s, const struct store_op *ops, size_t n,
                        struct store_apply_stats *stats, char **err);
/** store_sync_apply_tx in its own transaction: all of the batch or none of it. */
int store_sync_apply(struct store *s, const struct store_op *ops, size_t n,
                     struct store_apply_stats *stats, char **err);

/*
 * sync_state: local settings of sync, never synced. Keys used by src/sync:
 * "relay.url", "relay.cursor", "net.id", "net.epoch", "net.key.EPOCH" (the
 * network key of each epoch, base64), "device.sign_sk"/"device.sign_pk"
 * (Ed25519, base64; the secret key lives only here), "send.cursor" (last op
 * seq sent), "send.batch" (last batch number sent), "pin.DEVICE" (a peer's
 * public key, pinned on first use), "sync.last_ok" (ms).
 */
/** Read a key as text: *value newly allocated, or NULL when absent. */
int store_sync_get(struct store *s, const char *key, char **value, char **err);
/** Read an integer key; @def when absent. */
int store_sync_get_int(struct store *s, const char *key, int64_t def, int64_t *value, char **err);
/** Set (insert or replace) a key; NULL deletes it. Runs in the caller's transaction if any. */
int store_sync_set(struct store *s, const char *key, const char *value, char **err);
int store_sync_set_int(struct store *s, const char *key, int64_t value, char **err);

/**
 * Batches received, per sending device: whether (@device, @seq) was seen, and
 * the highest seq seen from that device (0 if none).
 */
int store_sync_batch_seen(struct store *s, const char *device, int64_t seq, bool *seen,
                          int64_t *max_seq, char **err);
/** Record batch (@device, @seq) as received, in the caller's transaction. */
int store_sync_batch_record(struct store *s, const char *device, int64_t seq, int64_t epoch,
                            char **err);

/** A device of the network as the devices table knows it. */
struct store_device {
    char id[ULID_LEN + 1];
    char *name;
    char *sign_pk; /* base64 */
    int64_t joined_at;
    int64_t deleted_at; /* 0: active */
};
/** All devices, newly allocated array; free with store_devices_free. */
int store_devices_list(struct store *s, struct store_device **out, size_t *n, char **err);
void store_devices_free(struct store_device **d, size_t n);
/**
 * The sealed key share for @device at @epoch (newly allocated base64), or
 * NULL when none has arrived.
 */
int store_keyshare_get(struct store *s, int64_t epoch, const char *device, char **sealed,
                       char **err);

/* ---- verification (src/store/store-verify.c) ----------------------------- */

/**
 * The incident a report belongs to: the oldest report's id when linked, else
 * its own id, into @root. STORE_ERR_NOT_FOUND when there is no such report.
 */
int store_incident_root(struct store *s, const char *id, char root[ULID_LEN + 1], char **err);
/**
 * The ids of the reports of incident @root, oldest first, as a newly
 * allocated array in *ids (caller frees), *n of them (0 when none).
 */
int store_incident_members(struct store *s, const char *root, char (**ids)[ULID_LEN + 1],
                           size_t *n, char **err);
/**
 * Every checklist row of the reports of incident @root, oldest answer first
 * (so a later answer to the same key overrides). Newly allocated array in
 * *rows; free each with model_check_state_fini, then the array.
 */
int store_check_rows(struct store *s, const char *root, struct model_check_state **rows,
                     size_t *n, char **err);
/** Whether a verifier reported from the scene (assignments) on incident @root. */
int store_incident_observed(struct store *s, const char *root, bool *out, char **err);

/** Which events store_events() lists; zero/NULL fields do not filter. */
struct store_event_filter {
    const char *incident; /* events of the reports of this incident */
    const char *actor;    /* who (case-insensitive) */
    const char *kind;     /* e.g. "status.changed" */
    int64_t since, until; /* UTC ms, inclusive */
    size_t limit;         /* 0: 1000 */
    bool oldest_first;    /* default newest first */
};
/** Events matching @f. Newly allocated array; free each with model_event_fini, then it. */
int store_events(struct store *s, const struct store_event_filter *f, struct model_event **rows,
                 size_t *n, char **err);
/**
 * Ids of reports received in [@from, @to] (UTC ms), newest first, at most
 * @limit, only those whose status is not final when @open_only. Newly
 * allocated array in *ids.
 */
int store_report_window(struct store *s, int64_t from, int64_t to, bool open_only, size_t limit,
                        char (**ids)[ULID_LEN + 1], size_t *n, char **err);
/**
 * Search every report, expired and closed ones included: words (accent- and
 * case-insensitive prefixes, all must match; NULL or blank: any) and time
 * bounds on received_at (0: none). Best match first, at most @limit ids in a
 * newly allocated array *ids.
 */
int store_report_search(struct store *s, const char *query, int64_t since, int64_t until,
                        size_t limit, char (**ids)[ULID_LEN + 1], size_t *n, char **err);

#endif
